/// Events that trigger on every occurrence, without accounting: yellow cache thresholds
/// (yellow.c, mcelog.md §12), bus/interconnect, IO MCA and unknown errors (bus.c,
/// unknown.c, §13).
extension ResponseEngine {
    mutating func cacheEvent(_ e: CacheThresholdEvent, topology: (any CacheTopologyProvider)?,
                             into out: inout [ResponseAction]) {
        events.cache += 1
        let location = ResponseEngine.cpuLocation(cpu: e.cpu, socket: e.socket)
        let message = "\(location) has large number of corrected cache errors in \(e.levelName) \(e.typeName)"
        if settings.cacheLog {
            out.append(.log(ResponseLog(kind: .cacheThreshold, priority: ResponseLog.error, lines: [
                message, "System operating correctly, but might lead to uncorrected cache errors soon"],
                location: location)))
        }
        guard let path = settings.cacheTrigger else { return }
        var env: [(name: String, value: String)] = []
        if e.socket >= 0 { env.append(("SOCKETID", String(e.socket))) }
        env.append(("MESSAGE", message))
        env.append(("CPU", String(e.cpu)))
        env.append(("LEVEL", String(e.level)))
        env.append(("TYPE", e.typeName))
        if let cpus = topology?.cpusSharingCache(cpu: e.cpu, level: e.level, typeCode: e.typeCode) {
            // Upstream walks the shared_cpu_map bits: ascending, space-separated.
            env.append(("AFFECTED_CPUS", Set(cpus).sorted().map(String.init).joined(separator: " ")))
        } else {
            out.append(.log(ResponseLog(kind: .cacheTopologyUnknown, priority: ResponseLog.warning,
                                        lines: ["Cannot find sysfs cache for CPU \(e.cpu)"])))
            env.append(("AFFECTED_CPUS", "unknown"))
        }
        request(TriggerRequest(key: .cache, path: path, environment: env, reporter: "yellow", message: message),
                into: &out)
    }

    mutating func busEvent(_ e: BusErrorEvent, into out: inout [ResponseAction]) {
        events.bus += 1
        guard let path = settings.busTrigger else { return }
        let location = ResponseEngine.cpuLocation(cpu: e.cpu, socket: e.socket)
        let message = "\(location) received Bus and Interconnect Errors in \(e.transaction)"
        var env: [(name: String, value: String)] = [("LOCATION", location)]
        if e.socket >= 0 { env.append(("SOCKETID", String(e.socket))) }
        env += [("MESSAGE", message), ("CPU", String(e.cpu)), ("LEVEL", e.level),
                ("PARTICIPATION", e.participation), ("REQUEST", e.request), ("ORIGIN", e.transaction),
                ("TIMEOUT", e.timeout)]
        request(TriggerRequest(key: .bus, path: path, environment: env, reporter: "bus", message: message),
                into: &out)
    }

    mutating func iomcaEvent(_ port: IORootPort, record: MachineCheckRecord, into out: inout [ResponseAction]) {
        events.iomca += 1
        guard let path = settings.iomcaTrigger else { return }
        let (cpu, socket) = ResponseEngine.cpuAndSocket(record)
        let location = ResponseEngine.cpuLocation(cpu: cpu, socket: socket)
        let seg = Format.hex(port.segment), bus = Format.hex(port.bus, width: 2)
        let device = Format.hex(port.device, width: 2), function = Format.hex(port.function)
        let message = "\(location) received IO MCA Errors from \(seg):\(bus):\(device).\(function)"
        var env: [(name: String, value: String)] = [("LOCATION", location)]
        if socket >= 0 { env.append(("SOCKETID", String(socket))) }
        env += [("MESSAGE", message), ("CPU", String(cpu)), ("SEG", seg), ("BUS", bus), ("DEVICE", device),
                ("FUNCTION", function)]
        request(TriggerRequest(key: .iomca, path: path, environment: env, reporter: "iomca", message: message),
                into: &out)
    }

    mutating func unknownEvent(_ record: MachineCheckRecord, into out: inout [ResponseAction]) {
        events.unknown += 1
        guard let path = settings.unknownTrigger else { return }
        let (cpu, socket) = ResponseEngine.cpuAndSocket(record)
        let location = ResponseEngine.cpuLocation(cpu: cpu, socket: socket)
        let message = "\(location) received unknown error"
        var env: [(name: String, value: String)] = [("LOCATION", location)]
        if socket >= 0 { env.append(("SOCKETID", String(socket))) }
        env += [("MESSAGE", message), ("CPU", String(cpu)), ("STATUS", Format.hex(record.status)),
                ("MISC", Format.hex(record.misc)), ("ADDR", Format.hex(record.addr)),
                ("MCGSTATUS", Format.hex(record.mcgstatus)), ("MCGCAP", Format.hex(record.mcgcap))]
        request(TriggerRequest(key: .unknown, path: path, environment: env, reporter: "unknown", message: message),
                into: &out)
    }
}
