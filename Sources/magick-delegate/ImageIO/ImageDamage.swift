import CMagickWand

/// Whether ImageMagick read an image whole. Its decoders keep going through a damaged file — a
/// JPEG cut short is filled with grey, a PNG whose header is smaller than its data is cut to the
/// header's size — and report it only as a warning kept on the image (ImageMagick 6 stores a
/// coder's warnings in each frame's own exception list, not in the wand's, so
/// `MagickGetException` never sees them). This looks at those lists.
///
/// What counts as damage: the "corrupt image" class (libjpeg's premature end, bad Huffman or
/// arithmetic codes, missing restart markers; GIF, BMP and others' truncated data), any error
/// that still left an image, and a coder warning about the image data itself (libpng's "IDAT:
/// Too much image data", "Not enough image data", "Extra compressed data", CRC errors). Not
/// damage: the other warnings, about metadata a decoder skipped (unknown PNG chunks or text, an
/// odd ICC profile, TIFF tags), and a few libjpeg warnings that leave every pixel intact (below).
enum ImageDamage {
    /// libjpeg warnings of the corrupt class that do not lose pixels: junk between segments that
    /// the decoder skips, and header oddities it decodes through.
    static let harmlessCorruptWarnings = [
        "Corrupt JPEG data: bad ICC marker",
        "Invalid SOS parameters for sequential JPEG",
        "Unknown Adobe color transform code",
        "Warning: unknown JFIF revision number",
        "extraneous bytes before marker",
    ]

    /// Words of a coder's warning that speak of the pixel data (PNG's IDAT stream and its CRCs).
    static let dataWords = ["idat", "image data", "compressed data", "crc error"]

    /// The first of ImageMagick's reasons that means `wand`'s images are not what the file should
    /// hold, tidied to one line; nil when every frame was read cleanly.
    static func reason(in wand: OpaquePointer) -> String? {
        MagickSetFirstIterator(wand)
        guard var frame = GetImageFromMagickWand(wand) else { return nil }
        while true {
            if let reason = reason(in: frame.pointee.exception) { return reason }
            guard let next = GetNextImageInList(frame) else { return nil }
            frame = next
        }
    }

    private static func reason(in exception: ExceptionInfo) -> String? {
        guard exception.severity != UndefinedException, let raw = exception.exceptions else { return nil }
        let list = OpaquePointer(raw)
        ResetLinkedListIterator(list)
        while let entry = GetNextValueInLinkedList(list) {
            let e = entry.assumingMemoryBound(to: ExceptionInfo.self).pointee
            let reason = e.reason.map { String(cString: $0) } ?? ""
            if isDamage(severity: e.severity, reason: reason) {
                // "Premature end of JPEG file `x.jpg' @ warning/jpeg.c/…": the caller names the file.
                var text = MagickFailure.tidy(reason)
                if let quote = text.ranges(of: " `").last { text = String(text[..<quote.lowerBound]) }
                return text
            }
        }
        return nil
    }

    static func isDamage(severity: ExceptionType, reason: String) -> Bool {
        let text = reason.lowercased()
        if severity == CorruptImageWarning || severity == CorruptImageError {
            return !harmlessCorruptWarnings.contains { text.contains($0.lowercased()) }
        }
        if severity.rawValue >= ErrorException.rawValue { return true }
        if severity == CoderWarning { return dataWords.contains { text.contains($0) } }
        return false
    }
}
