// TEMPORARY stand-in until seq-flow is merged (never committed).
public struct FlowField: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var u: [Float]
    public var v: [Float]
}
enum OpticalFlow {
    static func dis(from: PlanarImage, to: PlanarImage) throws -> FlowField {
        let n = from.width * from.height
        return FlowField(
            width: from.width, height: from.height, u: .init(repeating: 0, count: n), v: .init(repeating: 0, count: n))
    }
    static func warp(_ image: PlanarImage, by flow: FlowField) throws -> PlanarImage { image }
    static func reliability(flow: FlowField, reverse: FlowField) -> [Float] {
        .init(repeating: 1, count: flow.width * flow.height)
    }
}
