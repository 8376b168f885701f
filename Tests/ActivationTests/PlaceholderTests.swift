// Placeholder test file for ActivationTests; replaced by real tests.
import XCTest
final class ActivationTestsPlaceholder: XCTestCase {
    func testUnitNamePrefixStripsInstance() {}
}
