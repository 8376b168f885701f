// Shell lines for the tests that run something in a private mount namespace
// (`unshare --mount`): what they put over the host's /dev and /etc, so that
// nothing they install or create there reaches the host.
enum NamespaceScripts {
    /// A tmpfs /dev with the usual character devices bound in from the real
    /// one, and /dev/log a link to `devLog`.
    static func privateDev(root: String, devLog: String) -> String {
        """
        mkdir -p \(root)/olddev; mount --rbind /dev \(root)/olddev; mount -t tmpfs tmpfs /dev
        for n in null zero full random urandom tty; do touch /dev/$n; mount --bind \(root)/olddev/$n /dev/$n; done
        ln -s \(devLog) /dev/log
        """
    }

    /// A writable /etc: an overlay whose upper layer is a tmpfs under `root`.
    static func overlayEtc(root: String) -> String {
        """
        mkdir -p \(root)/etc-overlay; mount -t tmpfs tmpfs \(root)/etc-overlay; mkdir \(root)/etc-overlay/up \(root)/etc-overlay/work
        mount -t overlay overlay -o lowerdir=/etc,upperdir=\(root)/etc-overlay/up,workdir=\(root)/etc-overlay/work /etc
        """
    }
}
