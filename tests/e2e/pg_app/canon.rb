# Run with plain `ruby canon.rb RAKE_FILE`: exercises the import task's checksum and redaction
# without Rails or a database, printing one JSON object. Pairs under "same" must checksum
# equal, pairs under "differ" must not.
require "bigdecimal"
require "date"
require "json"
require "active_support"
require "active_support/core_ext"
require "rake"
load ARGV.fetch(0)

def checksum(rows, binary = [])
  sum = FlyrunImport::Checksum.new(binary)
  rows.each { |row| sum.add(row) }
  sum.hex
end

instant = Time.utc(2024, 1, 2, 3, 4, 5.123456r)
kolkata = ActiveSupport::TimeZone["Asia/Kolkata"]
same = {
  "zones" => [[[instant]], [[kolkata.at(instant)]]],
  "datetime" => [[[instant]], [[instant.to_datetime]]],
  "decimal scale" => [[[BigDecimal("1.50")]], [[BigDecimal("1.5")]]],
  "json key order" => [[[{ "b" => 1, "a" => [1, { "y" => nil, "x" => "é" }] }]],
                       [[{ "a" => [1, { "x" => "é", "y" => nil }], "b" => 1 }]]],
  "json symbol keys" => [[[{ a: 1 }]], [[{ "a" => 1 }]]],
  "row order" => [[[1, "a"], [2, "b"]], [[2, "b"], [1, "a"]]],
  "encodings" => [[["é"]], [["é".b]]]
}
differ = {
  "a microsecond" => [[[instant]], [[instant + Rational(1, 1_000_000)]]],
  "decimal digits" => [[[BigDecimal("12345678901234.567891")]],
                       [[BigDecimal("12345678901234.6")]]],
  "nil and empty" => [[[nil]], [[""]]],
  "integer and float" => [[[{ "a" => 1 }]], [[{ "a" => 1.0 }]]],
  "true and 1" => [[[true]], [[1]]],
  "string boundaries" => [[["ab", "c"]], [["a", "bc"]]],
  "nested boundaries" => [[[["a\u0000b"]]], [[["a", "b"]]]],
  "a duplicate row" => [[[1], [1]], [[1]]],
  "date and time" => [[[Date.new(2024, 1, 2)]], [[Time.utc(2024, 1, 2)]]],
  "column order" => [[[1, 2]], [[2, 1]]]
}
redactor = FlyrunImport::Redactor.new("postgres://app%40x:p%2Fss@db.internal:5432/prod")
messages = [
  'FATAL: password authentication failed for user "app@x"',
  "could not parse postgres://app%40x:p%2Fss@db.internal:5432/prod",
  "password p/ss and p%2Fss, user=app@x, postgres rows",
  "see postgresql://other:secret@elsewhere/db"
]
report = {
  "same" => same.transform_values { |(a, b)| checksum(a) == checksum(b) },
  "differ" => differ.transform_values { |(a, b)| checksum(a) != checksum(b) },
  "binary" => checksum([["\xff\x00".b]], [true]) != checksum([["\xff\x00".b]], [false]),
  "redacted" => messages.map { |m| redactor.redact(m) }
}
puts JSON.generate(report)
