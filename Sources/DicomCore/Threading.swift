#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A mutual-exclusion lock with `NSLock`'s interface (`lock`, `unlock`, `withLock`), for code that
/// cannot import full Foundation (NSLock is not in FoundationEssentials). On Linux NSLock is this
/// same pthread mutex.
package final class Lock: @unchecked Sendable {
    // Heap-allocated so that the mutex never moves (a pthread_mutex_t must not be copied).
    // Internal so that Condition can wait on the same mutex.
    let mutex: UnsafeMutablePointer<pthread_mutex_t>

    package init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    package func lock() { pthread_mutex_lock(mutex) }

    package func unlock() { pthread_mutex_unlock(mutex) }

    package func withLock<Result>(_ body: () throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}

/// A lock with a condition variable, `NSCondition`'s interface (not in FoundationEssentials
/// either): `wait()` is called with the lock held and returns with it held.
package final class Condition: @unchecked Sendable {
    private let mutex = Lock()  // owns the pthread mutex the condition waits on
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    package init() {
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        condition.deinitialize(count: 1)
        condition.deallocate()
    }

    package func lock() { mutex.lock() }
    package func unlock() { mutex.unlock() }
    package func wait() { pthread_cond_wait(condition, mutex.mutex) }
    package func signal() { pthread_cond_signal(condition) }
    package func broadcast() { pthread_cond_broadcast(condition) }
}

/// Starts `body` on a new detached thread with a stack of `stackSize` bytes (Foundation's
/// `Thread` with `stackSize`, which FoundationEssentials lacks). Returns false when the system
/// refuses a thread; `body` has then not run.
package func startDetachedThread(stackSize: Int, _ body: @escaping @Sendable () -> Void) -> Bool {
    final class Box { let body: @Sendable () -> Void; init(_ body: @escaping @Sendable () -> Void) { self.body = body } }
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    defer { pthread_attr_destroy(&attributes) }
    pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))  // conversion: a C constant
    pthread_attr_setstacksize(&attributes, stackSize)
    let context = Unmanaged.passRetained(Box(body)).toOpaque()
    var thread = pthread_t()
    let status = pthread_create(&thread, &attributes, { context in
        guard let context else { return nil }
        Unmanaged<Box>.fromOpaque(context).takeRetainedValue().body()
        return nil
    }, context)
    if status != 0 {
        Unmanaged<Box>.fromOpaque(context).release()
        return false
    }
    return true
}
