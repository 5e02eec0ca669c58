internal import CMagickWand

/// Whether ImageMagick read an image whole: the rule is `stylefilter_damage_reason`
/// (Sources/CMagickWand/image_damage.h), shared with the ImageMagick filter module.
enum ImageDamage {
    /// The first of ImageMagick's reasons that means `wand`'s images are not what the file should
    /// hold, as one line without the file name (the caller names it); nil for a clean read.
    static func reason(in wand: OpaquePointer) -> String? {
        MagickSetFirstIterator(wand)
        guard let images = GetImageFromMagickWand(wand), let raw = stylefilter_damage_reason(images) else { return nil }
        // "Premature end of JPEG file `x.jpg' @ warning/jpeg.c/…" → "Premature end of JPEG file".
        var text = MagickFailure.tidy(String(cString: raw))
        if let quote = text.ranges(of: " `").last { text = String(text[..<quote.lowerBound]) }
        return text
    }
}
