// Integer conversions the compiler proves exact: `Int(widening: byte)`. There is an overload only
// from a narrower type to a wider one (and unsigned to signed only when the target has more bits),
// so `Int(widening: someUInt64)` or `Int(widening: someDouble)` does not compile, where `Int(x)`
// would compile and trap at run time on a large value. scripts/lint-conversions accepts this form
// without a reason; plain `Int(x)` needs one (issue 13, "No trapping conversions").

#if arch(x86_64) || arch(arm64) || arch(powerpc64le) || arch(s390x) || arch(riscv64)
extension Int {
    @inlinable @inline(__always) public init(widening v: UInt8) { self.init(truncatingIfNeeded: v) }
    @inlinable @inline(__always) public init(widening v: UInt16) { self.init(truncatingIfNeeded: v) }
    @inlinable @inline(__always) public init(widening v: UInt32) { self.init(truncatingIfNeeded: v) }
    @inlinable @inline(__always) public init(widening v: Int8) { self.init(truncatingIfNeeded: v) }
    @inlinable @inline(__always) public init(widening v: Int16) { self.init(truncatingIfNeeded: v) }
    @inlinable @inline(__always) public init(widening v: Int32) { self.init(truncatingIfNeeded: v) }
}
#endif

extension Int64 {
    @inlinable @inline(__always) public init(widening v: UInt8) { self.init(truncatingIfNeeded: v) }
    @inlinable @inline(__always) public init(widening v: UInt16) { self.init(truncatingIfNeeded: v) }
    @inlinable @inline(__always) public init(widening v: UInt32) { self.init(truncatingIfNeeded: v) }
    @inlinable @inline(__always) public init(widening v: Int32) { self.init(truncatingIfNeeded: v) }
}

extension Int32 {
    @inlinable @inline(__always) public init(widening v: UInt8) { self.init(truncatingIfNeeded: v) }
    @inlinable @inline(__always) public init(widening v: UInt16) { self.init(truncatingIfNeeded: v) }
    @inlinable @inline(__always) public init(widening v: Int16) { self.init(truncatingIfNeeded: v) }
}

extension UInt64 {
    @inlinable @inline(__always) public init(widening v: UInt8) { self.init(truncatingIfNeeded: v) }
    @inlinable @inline(__always) public init(widening v: UInt16) { self.init(truncatingIfNeeded: v) }
    @inlinable @inline(__always) public init(widening v: UInt32) { self.init(truncatingIfNeeded: v) }
}

extension UInt32 {
    @inlinable @inline(__always) public init(widening v: UInt8) { self.init(truncatingIfNeeded: v) }
    @inlinable @inline(__always) public init(widening v: UInt16) { self.init(truncatingIfNeeded: v) }
}

extension UInt16 {
    @inlinable @inline(__always) public init(widening v: UInt8) { self.init(truncatingIfNeeded: v) }
}
