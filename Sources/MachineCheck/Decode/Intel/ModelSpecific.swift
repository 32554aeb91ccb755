/// Picks the model-specific decoders for a CPU type: the one place that maps types to
/// family files (mcelog.md §17).
enum ModelSpecific {
    /// Extra text after the architectural decode.
    static func decode(_ ctx: inout DecodeContext) {
        // Bus and interconnect errors carry front-side-bus details on older families.
        if ctx.mcacod >> 11 == 1 {
            switch ctx.cpuType {
            case .p6old: Core2.decodeP6OldBus(&ctx)
            case .core2, .dunnington, .nehalem, .xeon75xx: Core2.decodeBus(&ctx)
            case .p4, .tulsa: P4.decodeBus(&ctx)
            default: break
            }
        }
        switch ctx.cpuType {
        case .nehalem: Nehalem.decode(&ctx)
        case .dunnington: Dunnington.decode(&ctx)
        case .tulsa: Tulsa.decode(&ctx)
        case .xeon75xx: Xeon75xx.decode(&ctx)
        case .sandyBridge, .sandyBridgeEP: SandyBridge.decode(&ctx)
        case .ivyBridgeEPEX: IvyBridge.decode(&ctx)
        case .haswellEPEX: Haswell.decode(&ctx)
        case .broadwellDE: BroadwellDE.decode(&ctx)
        case .broadwellEPEX: BroadwellEPEX.decode(&ctx)
        case .skylakeXeon: SkylakeXeon.decode(&ctx)
        case .icelakeXeon, .icelakeDE, .tremontD: IceLakeServer.decode(&ctx)
        case .sapphireRapids, .emeraldRapids: SapphireRapids.decode(&ctx)
        case .graniteRapids, .sierraForest, .clearwaterForest: GraniteRapids.decode(&ctx)
        case .diamondRapids: DiamondRapids.decode(&ctx)
        case .denverton: Denverton.decode(&ctx)
        default: break
        }
    }

    /// For corrected errors: the kind of memory mirroring that corrected it, if any.
    static func mirrorCorrection(_ ctx: DecodeContext) -> String? {
        switch ctx.cpuType {
        case .broadwellEPEX: return BroadwellEPEX.mirrorCorrection(ctx)
        case .skylakeXeon: return SkylakeXeon.mirrorCorrection(ctx)
        case .icelakeXeon: return IceLakeServer.mirrorCorrection(ctx)
        default: return nil
        }
    }
}

/// Upstream's names for the two mirroring corrections (mcelog.md §16.2).
enum MirrorCorrection {
    static let channelFailover = "mirroring with channel failover"
    static let primaryScrubbed = "mirroring. Primary channel scrubbed successfully"
}
