// Placeholder test file for UnitFileTests; replaced by real tests.
import XCTest
final class UnitFileTestsPlaceholder: XCTestCase {
    func testUnitNamePrefixStripsInstance() {}
}
