// Binder: placeholder so the package builds; its owner replaces this file.
// See Package.swift for what this module is responsible for.
public enum BinderModule {}
