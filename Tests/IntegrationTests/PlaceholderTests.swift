// Placeholder test file for IntegrationTests; replaced by real tests.
import XCTest
final class IntegrationTestsPlaceholder: XCTestCase {
    func testUnitNamePrefixStripsInstance() {}
}
