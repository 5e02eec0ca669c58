extension TemporalGuide {
    /// How far back `--temporal long` looks, in frames (Ruder et al. 2016's long-term
    /// consistency, with a shorter set than their {1, 10, 20, 40}: clips here are short, and each
    /// distance costs two optical flows per frame and one stored frame).
    static let longTermDistances = [1, 2, 4]

    /// The frames `mode` looks back to, nearest first (none for `off`).
    static func distances(_ mode: StyleOptions.Temporal) -> [Int] {
        switch mode {
        case .off: []
        case .short: [1]
        case .long: longTermDistances
        }
    }

    /// A frame's start and guide from the frames before it (`earlier`, nearest first, each a
    /// content and its result at this frame's size): each earlier result warped into this frame
    /// by the optical flow between the contents, and where its flow is reliable (forward and
    /// backward agree, no motion boundary) the guide keeps the nearest such frame's pixel
    /// (Ruder et al.'s c_long: a pixel is held to the nearest earlier frame that saw it). The start
    /// is the previous result warped (where it is unreliable too: the optimisation repaints it).
    /// `uncovered`: what the start takes where no earlier frame's flow is reliable (what the
    /// previous frame hid, or what enters the frame), instead of the warp's smear of whatever
    /// covered it there.
    static func make(
        frame: PlanarImage, earlier: [(content: PlanarImage, result: PlanarImage)], mode: StyleOptions.Temporal,
        uncovered: PlanarImage? = nil
    ) throws -> (start: PlanarImage, guide: TemporalGuide) {
        let n = frame.width * frame.height
        var start: PlanarImage? = nil
        var target = try CheckedMemory.floats(3 * n, what: "a temporal target of \(frame.width)×\(frame.height)")
        var weights = try CheckedMemory.floats(n, what: "temporal weights of \(frame.width)×\(frame.height)")
        for j in distances(mode) where j <= earlier.count {
            let before = earlier[j - 1]
            let flow = try OpticalFlow.dis(from: frame, to: before.content)
            let reverse = try OpticalFlow.dis(from: before.content, to: frame)
            let warped = try OpticalFlow.warp(before.result, by: flow)
            let reliable = try OpticalFlow.reliability(flow: flow, reverse: reverse)
            if start == nil {
                start = warped
                target = warped.pixels
            }
            for i in 0..<n where weights[i] == 0 && reliable[i] > 0 {
                weights[i] = reliable[i]
                for c in 0..<3 { target[c * n + i] = warped.pixels[c * n + i] }
            }
        }
        guard var start else {
            throw StyleError.invalidArgument("a temporal guide needs an earlier frame and --temporal short or long")
        }
        if let uncovered {
            for i in 0..<n where weights[i] == 0 {
                for c in 0..<3 { start.pixels[c * n + i] = uncovered.pixels[c * n + i] }
            }
        }
        return (
            start, try TemporalGuide(target: PlanarImage(trusted: frame.width, frame.height, target), weights: weights)
        )
    }
}
