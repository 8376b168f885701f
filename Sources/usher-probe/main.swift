// usher-probe: a test service that reports what it was given. Placeholder.
import CSystemd
print(sd_listen_fds(0))
