import Glibc

/// A bounded queue between the kernel reader and the sender thread. The reader never waits:
/// when the queue is full the item is dropped and counted, and the count is reported later
/// (issue 3: a stalled journald must not stall reading the kernel's buffers).
public final class OutputQueue<Element>: @unchecked Sendable {
    private var items: [Element?]
    private var head = 0
    private var count = 0
    private var closed = false
    private var mutex = pthread_mutex_t()
    private var nonEmpty = pthread_cond_t()
    /// Items refused because the queue was full, not yet reported.
    private var droppedUnreported = 0
    private var dropped = 0

    public let capacity: Int

    public init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
        // Storage grows on demand up to `capacity`: an idle daemon keeps a small queue.
        items = [Element?](repeating: nil, count: min(capacity, 64))
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&nonEmpty, nil)
    }

    /// Adds an item; false (and counted) when full or closed.
    @discardableResult
    public func push(_ e: Element) -> Bool {
        pthread_mutex_lock(&mutex); defer { pthread_mutex_unlock(&mutex) }
        guard !closed, count < capacity else {
            droppedUnreported += 1
            self.dropped += 1
            return false
        }
        if count == items.count { grow() }
        items[(head + count) % items.count] = e
        count += 1
        pthread_cond_signal(&nonEmpty)
        return true
    }

    /// Waits for items; returns nil once closed and empty. `dropped` is the number of items
    /// lost since the last call, for the caller to report.
    public func pop(dropped: inout Int) -> Element? {
        pthread_mutex_lock(&mutex); defer { pthread_mutex_unlock(&mutex) }
        while count == 0 && !closed && droppedUnreported == 0 { pthread_cond_wait(&nonEmpty, &mutex) }
        dropped = droppedUnreported
        droppedUnreported = 0
        guard count > 0 else { return nil }
        let e = items[head]
        items[head] = nil
        head = (head + 1) % items.count
        count -= 1
        return e
    }

    /// Doubles the ring (up to capacity), unrolling it so the oldest item is first.
    private func grow() {
        let size = min(capacity, items.count * 2)
        var bigger = [Element?](repeating: nil, count: size)
        for i in 0..<count { bigger[i] = items[(head + i) % items.count] }
        items = bigger
        head = 0
    }

    /// Items refused since the start (full or closed).
    public var droppedTotal: Int {
        pthread_mutex_lock(&mutex); defer { pthread_mutex_unlock(&mutex) }
        return dropped
    }

    /// Number of items waiting.
    public var depth: Int {
        pthread_mutex_lock(&mutex); defer { pthread_mutex_unlock(&mutex) }
        return count
    }

    /// No more pushes; the sender drains what is left and stops.
    /// True once `close()` was called (the daemon is stopping).
    public var isClosed: Bool {
        pthread_mutex_lock(&mutex); defer { pthread_mutex_unlock(&mutex) }
        return closed
    }

    public func close() {
        pthread_mutex_lock(&mutex); defer { pthread_mutex_unlock(&mutex) }
        closed = true
        pthread_cond_broadcast(&nonEmpty)
    }
}

/// Starts `body` on its own POSIX thread (the sender must not share the reader's thread).
public final class BackgroundThread: @unchecked Sendable {
    private var thread = pthread_t()
    private let body: () -> Void

    public init(_ body: @escaping () -> Void) {
        self.body = body
        let context = Unmanaged.passRetained(self).toOpaque()
        let rc = pthread_create(&thread, nil, { raw in
            let me = Unmanaged<BackgroundThread>.fromOpaque(raw!).takeRetainedValue()
            me.body()
            return nil
        }, context)
        precondition(rc == 0, "pthread_create failed: \(rc)")
    }

    public func join() { pthread_join(thread, nil) }
}
