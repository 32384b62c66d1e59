/// The typed `*_param` messages of caffe.proto, one struct each.
///
/// Every field starts at the default caffe.proto declares (or protobuf's zero when it declares
/// none), so an absent block and an empty block read the same. A field is optional only where
/// Caffe itself asks whether it was set (`has_pad_h()`, `has_use_global_stats()`, ...), because
/// there "absent" means something other than its default.
public enum CaffeParam {}
