import Glibc
import MCEIO
import MCEDaemon

/// `mcelog --client` and `mcelog --ping`: the daemon's socket from the config file.
enum ClientCommand {
    static let defaultSocketPath = "/run/mcelog-client"

    static func socketPath(_ config: ConfigFile) -> String {
        config.string("server", "socket-path").flatMap { $0.isEmpty ? nil : $0 } ?? defaultSocketPath
    }

    static func ping(_ o: CommandLineOptions, config: ConfigFile) -> Int32 {
        let path = socketPath(config)
        do {
            let reply = try ClientServer.request(path: path, "ping\n", until: { $0.hasSuffix("pong\n") })
            guard reply.hasSuffix("pong\n") else { fail("no pong from the daemon at \(path): got `\(reply)'") }
            try? FileDescriptor.standardOutput.writeAll("pong\n")
            return 0
        } catch {
            fail("no mcelog daemon answers at \(path): \(error)")
        }
    }

    static func client(_ o: CommandLineOptions, config: ConfigFile) -> Int32 {
        let path = socketPath(config)
        if o.json { return clientJSON(path) }
        do {
            for command in ["dump all bios\n", "pages\n"] {
                let reply = try ClientServer.request(path: path, command, until: { $0.hasSuffix("done\n") })
                guard reply.hasSuffix("done\n") else { fail("incomplete reply from the daemon at \(path)") }
                try? FileDescriptor.standardOutput.writeAll(String(reply.dropLast(5)))
            }
            return 0
        } catch {
            fail("no mcelog daemon answers at \(path): \(error)")
        }
    }
}

extension ClientCommand {
    /// `--client --json`: one object holding the DIMM dump and the page list, as the socket's
    /// `json dump` and `json pages` give them.
    static func clientJSON(_ path: String) -> Int32 {
        do {
            var parts: [String] = []
            for command in ["json dump\n", "json pages\n"] {
                let reply = try ClientServer.request(path: path, command, until: { $0.hasSuffix("done\n") })
                guard reply.hasSuffix("done\n") else { fail("incomplete reply from the daemon at \(path)") }
                var body = Substring(reply.dropLast(5))
                while body.last == "\n" { body = body.dropLast() }
                // Each is `{"key":[...]}`: splice the two members into one object.
                guard body.first == "{", body.last == "}" else { fail("unexpected reply from the daemon at \(path): \(body)") }
                parts.append(String(body.dropFirst().dropLast()))
            }
            try? FileDescriptor.standardOutput.writeAll("{" + parts.joined(separator: ",") + "}\n")
            return 0
        } catch {
            fail("no mcelog daemon answers at \(path): \(error)")
        }
    }
}
