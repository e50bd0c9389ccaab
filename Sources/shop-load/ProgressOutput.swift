import Foundation
import LoadProfile
import NIOCore
import ShopLoad
import ShopSupport

/// The run's progress for whoever watches: one line rewritten in place on a terminal, a plain line every
/// ten seconds otherwise (CI logs), nothing with `off`. Both clocks, target and achieved rate, in flight,
/// the last window's p99, errors.
final class ProgressOutput: Sendable {
    enum Mode { case line, plain, off }
    let mode: Mode
    let run: LoadRun

    init(mode text: String, run: LoadRun) {
        switch text {
        case "line": mode = .line
        case "plain": mode = .plain
        case "off": mode = .off
        default: mode = isatty(STDERR_FILENO) == 1 ? .line : .plain
        }
        self.run = run
    }

    /// A message of its own, on a line of its own.
    func line(_ text: String) {
        let prefix = mode == .line ? "\r\u{1B}[2K" : ""
        FileHandle.standardError.write(Data((prefix + text + "\n").utf8))
    }

    func report() async {
        guard mode != .off else { return }
        let interval: Duration = mode == .line ? .milliseconds(500) : .seconds(10)
        var last = (time: ContinuousClock.now, completed: 0)
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            guard let start = run.started else { continue }
            let snapshot = run.progress.take()
            let now = ContinuousClock.now
            let elapsed = max(Double((NIODeadline.now() - start).nanoseconds) / 1e9, 0)
            let configuration = run.configuration
            let profileTime = min(elapsed * configuration.speed, configuration.end)
            let target = configuration.profile.rate(at: profileTime) / Double(configuration.shard.count)
            let achieved = Double(snapshot.completed - last.completed) / max((now - last.time).seconds, 0.001)
            last = (now, snapshot.completed)
            let text = String(
                format: "wall %@/%@  profile %@/%@  target %.0f/s  achieved %.0f/s  in flight %d  p99 %.1f ms  done %d  errors %d  dropped %d",
                DurationText.text(elapsed), DurationText.text(run.wallDuration), DurationText.text(profileTime),
                DurationText.text(configuration.end), target, achieved, snapshot.inFlight, snapshot.recentP99 * 1000, snapshot.completed,
                snapshot.errors, snapshot.dropped)
            if mode == .line {
                FileHandle.standardError.write(Data(("\r\u{1B}[2K" + text).utf8))
            } else {
                FileHandle.standardError.write(Data((text + "\n").utf8))
            }
        }
    }

    func finish() {
        if mode == .line { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}

/// Ctrl-C (SIGINT) runs `action` once instead of killing the process, so the result is still written.
final class Interrupt: @unchecked Sendable {  // its source is only resumed and cancelled, both thread-safe
    private let source: any DispatchSourceSignal

    init(_ action: @escaping @Sendable () -> Void) {
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler {
            FileHandle.standardError.write(Data("\nshop-load: stopping (Ctrl-C again to quit at once); writing the result…\n".utf8))
            signal(SIGINT, SIG_DFL)
            action()
        }
        source.resume()
    }

    func cancel() { source.cancel() }
}
