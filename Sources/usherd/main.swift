// usherd, the daemon's executable (the dev build's .build/*/usherd): all of it
// is in UsherdMain, which the `usher` multi-call binary runs too.
import UsherdMain

usherdMain()
