// Placeholder test file for BinderTests; replaced by real tests.
import XCTest
final class BinderTestsPlaceholder: XCTestCase {
    func testUnitNamePrefixStripsInstance() {}
}
