import Foundation
import XCTest

/// `stylize delegate IN OUT`, what share/delegates.xml runs: ImageMagick passes as OUT a link to
/// the file the user named, and the result must have that file's format. (mk/cabi.mk's
/// examples-test runs it through the real `convert … stylize:out.jpg`.)
final class DelegateTests: CommandTestCase {
    func testWithoutAStyleOrAnExtensionItSaysWhatToDo() throws {
        try makeTestImages()
        let r = try shell("ln -s \"$PWD/out.jpg\" link && STYLIZE_STYLE= \"$STYLIZE\" delegate rose.png link")
        assertOneLineError(r, "no STYLIZE_STYLE")
        XCTAssertTrue(
            r.stderr.contains("STYLIZE_STYLE is not set") && r.stderr.contains("nothing was written"), r.stderr)
        XCTAssertFalse(exists("out.jpg"))

        let noExtension = try shell(
            "ln -s \"$PWD/result\" bare && STYLIZE_STYLE=plasma.png \"$STYLIZE\" delegate rose.png bare")
        assertOneLineError(noExtension, "output without extension")
        XCTAssertTrue(noExtension.stderr.contains("cannot tell the image format"), noExtension.stderr)
    }

    func testResultHasTheFormatOfTheLinkedName() throws {
        try XCTSkipUnless(FileManager.default.fileExists(atPath: EndToEndTests.modelPath), "no model")
        try makeTestImages()
        let r = try shell(
            "ln -s \"$PWD/out.jpg\" link && STYLIZE_STYLE=plasma.png STYLIZE_SIZE=32 STYLIZE_ITERATIONS=1 "
                + "STYLIZE_OPTIONS='--scales 1 --model \(EndToEndTests.modelPath)' \"$STYLIZE\" delegate rose.png link")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try identify("%m %w %h", "out.jpg"), "JPEG 32 21")
    }
}
