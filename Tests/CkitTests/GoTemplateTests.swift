import Testing

@testable import ckit

@Suite struct GoTemplateTests {
  let row = TemplateValue.object([
    ("ID", .string("0123456789ab")), ("Names", .string("web")), ("Ports", .string("0.0.0.0:8888->80/tcp")),
    ("State", .object([("Status", .string("running")), ("Pid", .int(42))])),
    ("Tags", .array([.string("a"), .string("b")])),
  ])

  @Test func fieldsAndFunctions() throws {
    #expect(try GoTemplate("{{.ID}}").render(row) == "0123456789ab")
    #expect(try GoTemplate("{{.ID}} {{ .Names }}").render(row) == "0123456789ab web")
    #expect(try GoTemplate("{{.State.Status}}/{{.State.Pid}}").render(row) == "running/42")
    #expect(try GoTemplate("{{upper .Names}}").render(row) == "WEB")
    #expect(try GoTemplate("{{json .State}}").render(row) == #"{"Status":"running","Pid":42}"#)
    #expect(try GoTemplate("{{join .Tags \",\"}}").render(row) == "a,b")
    #expect(try GoTemplate("{{truncate .ID 4}}").render(row) == "0123")
    #expect(try GoTemplate("{{.ID}}\\t{{.Names}}").render(row) == "0123456789ab\tweb")
    #expect(try GoTemplate("json").render(row).hasPrefix(#"{"ID":"0123456789ab","Names":"web""#))
    #expect(try GoTemplate("{{json .}}").render(row) == GoTemplate("json").render(row))
  }

  @Test func tableFormatPrintsDockersHeaders() throws {
    let t = try GoTemplate("table {{.ID}}\\t{{.Names}}")
    #expect(t.isTable)
    let out = try t.render([row], titles: Ps.titles)
    #expect(out == "CONTAINER ID   NAMES\n0123456789ab   web\n")
  }

  @Test func errorsNameTheProblem() throws {
    #expect(throws: CkitError.invalidArgument("template: function \"nope\" not defined")) {
      try GoTemplate("{{nope .ID}}")
    }
    #expect(throws: CkitError.self) { try GoTemplate("{{.ID") }
    #expect(throws: CkitError.invalidArgument("template: can't evaluate field Missing")) {
      try GoTemplate("{{.Missing}}").render(row)
    }
  }
}
