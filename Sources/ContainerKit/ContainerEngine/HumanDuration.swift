import Foundation

/// A duration in Docker's words (go-units' `HumanDuration`): what `docker ps` and `docker images` print ("Up 2
/// minutes", "3 days ago") and dockerd puts in a container's `Status`. Here so that every tool words it alike.
public enum HumanDuration {
  /// "Less than a second", "3 seconds", "About a minute", "5 minutes", "About an hour", "3 hours", "2 days",
  /// "3 weeks", "4 months", "2 years".
  public static func text(_ seconds: TimeInterval) -> String {
    let s = Int(seconds)
    if s < 1 { return "Less than a second" }
    if s == 1 { return "1 second" }
    if s < 60 { return "\(s) seconds" }
    let minutes = Int(seconds / 60)
    if minutes == 1 { return "About a minute" }
    if minutes < 60 { return "\(minutes) minutes" }
    let hours = Int((seconds / 3600).rounded())
    if hours == 1 { return "About an hour" }
    if hours < 48 { return "\(hours) hours" }
    if hours < 24 * 7 * 2 { return "\(hours / 24) days" }
    if hours < 24 * 30 * 2 { return "\(hours / 24 / 7) weeks" }
    if hours < 24 * 365 * 2 { return "\(hours / 24 / 30) months" }
    return "\(Int(seconds / 3600) / 24 / 365) years"
  }

  /// The time from `date` to `now` in the same words, with " ago": "3 seconds ago" (`docker images`' CREATED).
  public static func ago(_ date: Date, now: Date = Date()) -> String {
    text(now.timeIntervalSince(date)) + " ago"
  }
}
