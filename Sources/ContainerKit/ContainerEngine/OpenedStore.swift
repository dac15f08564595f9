import ImageStore
import Synchronization

/// An engine's image store once opened, shared by the copies of its LibraryEngine value.
final class OpenedStore: Sendable {
  let store = Mutex<ImageStore?>(nil)
}
