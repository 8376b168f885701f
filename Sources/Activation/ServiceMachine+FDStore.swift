// What the fd store needs from the service machine: whether NotifyAccess= lets
// a sender's FDSTORE=1 through, with the same rule as every other notification.
// Part of the pure ServiceMachine.

extension ServiceMachine {
    public func allowsNotification(from pid: Int32) -> Bool {
        notifyRefusal(pid) == nil
    }
}
