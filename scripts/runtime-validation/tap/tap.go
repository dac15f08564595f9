// Package tap writes the Test Anything Protocol (version 13) for the opencontainers runtime-tools validation suite.
//
// The suite imports github.com/mndrix/tap-go, which Debian does not package; scripts/runtime-validation.sh builds
// the suite offline from Debian's Go packages, with this package in its place. It has the part of that API the
// suite calls (New, Header, Ok, Pass, Fail, Skip, Todo, Diagnostic, Diagnosticf, YAML, AutoPlan), written from the TAP
// 13 specification: a plan line, one "ok"/"not ok" line per test, "#" diagnostics, and YAML blocks (written as
// JSON, which is YAML).
package tap

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// T is one TAP stream: a count of the tests reported so far and where the lines go.
type T struct {
	// reported counts the tests of the stream, shared with the streams Todo returns.
	reported *int
	// todo marks the tests this stream reports as "# TODO" (expected to fail, still "not ok" when they do).
	todo bool
	// Writer receives the TAP lines (standard output by default).
	Writer io.Writer
}

// New starts a TAP stream on standard output.
func New() *T {
	return &T{reported: new(int), Writer: os.Stdout}
}

// Todo is the same stream, whose tests are marked "# TODO": a test the suite knows it cannot check yet.
func (t *T) Todo() *T {
	return &T{reported: t.reported, todo: true, Writer: t.Writer}
}

func (t *T) printf(format string, a ...interface{}) {
	fmt.Fprintf(t.Writer, format, a...)
}

// Header writes the version line, and the plan when the number of tests is known (0: the plan comes at the end,
// see AutoPlan).
func (t *T) Header(testCount int) {
	t.printf("TAP version 13\n")
	if testCount > 0 {
		t.printf("1..%d\n", testCount)
	}
}

// Ok reports one test: "ok N - description" when it passed, "not ok N - description" otherwise.
func (t *T) Ok(test bool, description string) {
	status := "ok"
	if !test {
		status = "not ok"
	}
	*t.reported++
	if t.todo {
		t.printf("%s %d # TODO %s\n", status, *t.reported, description)
		return
	}
	t.printf("%s %d - %s\n", status, *t.reported, description)
}

// Pass reports a test that passed.
func (t *T) Pass(description string) { t.Ok(true, description) }

// Fail reports a test that failed.
func (t *T) Fail(description string) { t.Ok(false, description) }

// Skip reports count tests as skipped, with the reason.
func (t *T) Skip(count int, description string) {
	for i := 0; i < count; i++ {
		*t.reported++
		t.printf("ok %d # SKIP %s\n", *t.reported, description)
	}
}

// Count is the number of tests reported so far.
func (t *T) Count() int { return *t.reported }

// AutoPlan writes the plan for the tests reported so far (for a Header(0) stream).
func (t *T) AutoPlan() { t.printf("1..%d\n", t.Count()) }

// Diagnostic writes a message as "#" comment lines.
func (t *T) Diagnostic(message string) {
	for _, line := range strings.Split(strings.TrimRight(message, "\n"), "\n") {
		t.printf("# %s\n", line)
	}
}

// Diagnosticf formats a message and writes it as Diagnostic does.
func (t *T) Diagnosticf(format string, a ...interface{}) { t.Diagnostic(fmt.Sprintf(format, a...)) }

// YAML writes a value as the YAML block of the previous test ("---" ... "..."), in JSON form.
func (t *T) YAML(message interface{}) error {
	data, err := json.MarshalIndent(message, "  ", "  ")
	if err != nil {
		return err
	}
	t.printf("  ---\n  %s\n  ...\n", data)
	return nil
}
