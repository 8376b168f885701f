// Giving the C heap's free memory back to the kernel after a burst of work
// (loading and binding thousands of units runs on several threads, and each
// thread's malloc arena keeps what it freed). glibc's malloc_trim(3).
import CSysShims

public enum Memory {
    /// Returns free pages of every malloc arena to the kernel; true when any were.
    @discardableResult
    public static func releaseFreePages() -> Bool {
        usher_malloc_trim() == 1
    }
}
