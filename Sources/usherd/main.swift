// usherd: the daemon's entry point. Parses flags and runs UsherDaemon.
// Placeholder until the daemon lands.
print("usherd: not implemented yet")
