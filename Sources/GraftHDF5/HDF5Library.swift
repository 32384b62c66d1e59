import Foundation
internal import CHDF5

/// The HDF5 library Graft is linked against, and the one choke point through which every call
/// passes: negative returns become ``HDF5Error`` values carrying the library's error stack.
public enum HDF5Library {
    /// The linked library's version, e.g. "1.10.8".
    public static var version: String {
        var major: UInt32 = 0, minor: UInt32 = 0, release: UInt32 = 0
        _ = H5get_libversion(&major, &minor, &release)
        return "\(major).\(minor).\(release)"
    }

    /// True when the library was built thread-safe (Debian's is). Its error stacks and the
    /// automatic-printing setting are then per thread, which is why printing is silenced per thread.
    public static var isThreadSafe: Bool {
        var safe: hbool_t = false
        return H5is_library_threadsafe(&safe) >= 0 && safe
    }

    /// True when the calling thread's automatic error printing is off (it is after any Graft call).
    public static var isErrorPrintingSilencedOnThisThread: Bool {
        silenceThisThread()
        var function: H5E_auto2_t? = nil
        var data: UnsafeMutableRawPointer? = nil
        guard H5Eget_auto2(chdf5_e_default(), &function, &data) >= 0 else { return false }
        return function == nil
    }

    /// Turns off the library's stderr printing of error stacks for the calling thread, once.
    /// The stack is captured into the thrown error instead.
    static func silenceThisThread() {
        guard pthread_getspecific(silencedKey) == nil else { return }
        _ = H5Eset_auto2(chdf5_e_default(), nil, nil)
        _ = pthread_setspecific(silencedKey, UnsafeRawPointer(bitPattern: 1))
    }

    /// Takes (and clears) the calling thread's current error stack as "function: description" lines,
    /// innermost call first.
    static func takeErrorStack() -> [String] {
        let stack = H5Eget_current_stack()
        guard stack >= 0 else { return [] }
        defer { _ = H5Eclose_stack(stack) }
        var lines: [String] = []
        withUnsafeMutablePointer(to: &lines) { out in
            _ = H5Ewalk2(stack, H5E_WALK_DOWNWARD, { _, error, context in
                guard let error, let context else { return 0 }
                let function = error.pointee.func_name.map { String(cString: $0) } ?? "?"
                let detail = error.pointee.desc.map { String(cString: $0) } ?? ""
                context.assumingMemoryBound(to: [String].self).pointee.append("\(function): \(detail)")
                return 0
            }, out)
        }
        return lines
    }
}

/// Marks threads whose automatic error printing has been turned off.
private let silencedKey: pthread_key_t = {
    var key = pthread_key_t()
    precondition(pthread_key_create(&key, nil) == 0, "pthread_key_create failed")
    return key
}()

/// The choke point: runs one HDF5 call and turns a negative result into an ``HDF5Error`` with the
/// library's error stack attached. Every C call that can fail goes through here.
@discardableResult
func hdf5<R: BinaryInteger>(_ operation: @autoclosure () -> String, _ path: @autoclosure () -> String,
                            _ call: () -> R) throws(HDF5Error) -> R {
    HDF5Library.silenceThisThread()
    let result = call()
    guard result < 0 else { return result }
    throw HDF5Error(operation: operation(), path: path(), stack: HDF5Library.takeErrorStack())
}

/// The same for calls returning `htri_t` (negative: error, 0: false, positive: true).
func hdf5Bool(_ operation: @autoclosure () -> String, _ path: @autoclosure () -> String,
              _ call: () -> htri_t) throws(HDF5Error) -> Bool {
    try hdf5(operation(), path(), call) > 0
}
