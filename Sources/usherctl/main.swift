// usherctl: the control CLI. Placeholder until the offline verbs land.
print("usherctl: not implemented yet")
