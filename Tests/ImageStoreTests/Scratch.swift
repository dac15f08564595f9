import TestSupport

/// The shared scratch directory (TestSupport), under the name these tests use.
typealias Scratch = ScratchDirectory
