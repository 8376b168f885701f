// usherctl, the CLI's executable (the dev build's .build/*/usherctl): all of it
// is in UsherctlMain, which the `usher` multi-call binary runs too.
import UsherctlMain

usherctlMain()
