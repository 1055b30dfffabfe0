# Seeds the PostgreSQL database with a few thousand deterministic rows covering every type,
# NULLs, unicode, binary and references (run with `bin/rails runner`, DATABASE_URL on PG).
require "securerandom"

RNG = Random.new(20_240_101)
ZONES = ["UTC", "Asia/Kolkata", "America/St_Johns", "Pacific/Chatham", "Europe/Berlin"].freeze
WORDS = ["plain", "Zoë", "Jürgen", "李小龙", "🚀 launch", "naïve café", "O'Brien", "say \"hi\"",
         "back\\slash", "tab\tand\nnewline", "", "ends with space "].freeze
IPS = ["192.168.1.5/24", "10.0.0.1", "::1", "2001:db8::5/64", "172.16.0.0/12"].freeze

def pick(list) = list[RNG.rand(list.size)]
def maybe(value, chance = 0.15) = RNG.rand < chance ? nil : value

def uuid
  bytes = RNG.bytes(16).bytes
  bytes[6] = (bytes[6] & 0x0f) | 0x40
  bytes[8] = (bytes[8] & 0x3f) | 0x80
  hex = bytes.pack("C*").unpack1("H*")
  [hex[0, 8], hex[8, 4], hex[12, 4], hex[16, 4], hex[20, 12]].join("-")
end

def moment
  zone = ActiveSupport::TimeZone[pick(ZONES)]
  zone.at(RNG.rand(0..2_000_000_000) + Rational(RNG.rand(1_000_000), 1_000_000))
end

def document(depth = 0)
  return pick([1, -7, 2.5, 1e-9, "text #{pick(WORDS)}", true, false, nil]) if depth > 2

  { "name" => pick(WORDS), "n" => RNG.rand(-1000..1000), "f" => RNG.rand.round(6),
    "list" => [1, "two", nil, depth], "nested" => document(depth + 1), "z" => nil }
end

now = Time.utc(2024, 1, 2, 3, 4, 5.678901r)
authors = Array.new(400) do |i|
  { id: i + 1, name: "#{pick(WORDS)} #{i}", email: maybe("author#{i}@example.com"),
    bio: maybe(pick(WORDS) * RNG.rand(1..200), 0.3), age: maybe(RNG.rand(18..99)),
    karma: maybe(RNG.rand(-(2**62)..(2**62))), active: RNG.rand < 0.5,
    born_on: maybe(Date.new(1950, 1, 1) + RNG.rand(20_000)), settings: document,
    created_at: moment, updated_at: now }
end
Author.insert_all!(authors)

posts = Array.new(2500) do |i|
  { id: i + 1, author_id: RNG.rand(1..400), title: maybe("#{pick(WORDS)} post #{i}"),
    body: maybe(Array.new(RNG.rand(1..30)) { pick(WORDS) }.join(" ")),
    score: maybe(pick([0.1, 1.0 / 3, -2.5e-300, 1.7976931348623157e308, RNG.rand * 1000])),
    price: maybe(BigDecimal(format("%.2f", RNG.rand * 99_999_999))),
    total: maybe(BigDecimal(format("%.6f", RNG.rand * 999_999_999))),
    published_at: maybe(moment), happened_at: maybe(moment),
    starts_at: maybe(format("%02d:%02d:%02d.%06d", RNG.rand(24), RNG.rand(60), RNG.rand(60),
                            RNG.rand(1_000_000))),
    public_id: uuid, payload: maybe(RNG.bytes(RNG.rand(0..64)) + "\x00\xff".b),
    metadata: maybe(pick([document, [1, 2, { "b" => 1, "a" => 2 }], "scalar", 42])),
    ip: maybe(pick(IPS)), network: maybe("10.#{RNG.rand(256)}.0.0/16"),
    mac: maybe(format("08:00:2b:%02x:%02x:%02x", RNG.rand(256), RNG.rand(256), RNG.rand(256))),
    created_at: moment, updated_at: now }
end
posts.each_slice(500) { |slice| Post.insert_all!(slice) }

# Parents point both backwards and forwards, so copying in id order needs deferred checks.
comments = Array.new(2000) do |i|
  parent = i.zero? ? nil : maybe(RNG.rand(1..2000), 0.5)
  { id: i + 1, post_id: RNG.rand(1..2500), parent_id: parent,
    body: maybe(pick(WORDS)), created_at: moment, updated_at: now }
end
Comment.insert_all!(comments)

Tag.insert_all!(Array.new(40) { |i| { id: i + 1, name: "#{pick(WORDS)}-#{i}" } })
pairs = Array.new(3000) { [RNG.rand(1..2500), RNG.rand(1..40)] }.uniq
notes = ["NULL", "'{\"w\": 1, \"a\": [true, null]}'", "'\"just text\"'"]
ActiveRecord::Base.connection.execute(
  "INSERT INTO posts_tags (post_id, tag_id, note) VALUES " +
  pairs.map { |p, t| "(#{p}, #{t}, #{notes[(p + t) % 3]})" }.join(", ")
)
# More than one batch (1000 rows): keyset pagination on a uuid key and on a composite key.
Device.insert_all!(Array.new(1200) { |i| { id: uuid, kind: "kind #{i % 7} #{pick(WORDS)}".strip } })
members = Array.new(1500) { [RNG.rand(1..400), RNG.rand(1..40)] }.uniq.first(1100)
ActiveRecord::Base.connection.execute(
  "INSERT INTO memberships (author_id, tag_id, role) VALUES " +
  members.map { |a, t| "(#{a}, #{t}, #{ActiveRecord::Base.connection.quote(pick(WORDS))})" }.join(", ")
)

# Sequences follow the explicit ids, as they would in a live app.
%w[authors posts comments tags].each do |table|
  ActiveRecord::Base.connection.reset_pk_sequence!(table)
end
# Authors 401..1000 existed once and were deleted: their ids must never come back.
ActiveRecord::Base.connection.execute("SELECT setval('authors_id_seq', 1000)")
puts "seeded #{Author.count} authors, #{Post.count} posts, #{Comment.count} comments, " \
     "#{pairs.size} post tags, #{Device.count} devices, #{members.size} memberships"
