/// Docker-style random names (`adjective_scientist`) for containers created without `--name`.
package enum NameGenerator {
  package static let left = [
    "admiring", "agitated", "amazing", "blissful", "bold", "brave", "busy", "clever", "cool", "dazzling", "eager",
    "ecstatic", "elegant", "epic", "focused", "friendly", "gallant", "gifted", "happy", "hopeful", "jolly", "keen",
    "kind", "laughing", "lucid", "magical", "modest", "nifty", "nostalgic", "peaceful", "quirky", "relaxed",
    "serene", "sharp", "stoic", "sweet", "tender", "trusting", "upbeat", "vibrant", "wizardly", "youthful", "zen",
  ]
  package static let right = [
    "albattani", "archimedes", "babbage", "bell", "bohr", "curie", "darwin", "dijkstra", "einstein", "euclid",
    "fermat", "feynman", "gauss", "hopper", "hypatia", "johnson", "kepler", "knuth", "lamport", "lovelace",
    "maxwell", "mcclintock", "newton", "noether", "pasteur", "ritchie", "shannon", "thompson", "turing", "wozniak",
  ]

  package static func random() -> String {
    "\(left.randomElement() ?? "eager")_\(right.randomElement() ?? "turing")"
  }
}
