# Run with `bin/rails runner` in production on the imported SQLite database: boots the app on
# SQLite and compares every row of every model, through Active Record, with the same table on
# PostgreSQL (FLYRUN_TEST_PG_URL). Prints one JSON report on the last line.
require "ipaddr"
require "json"

class PgRecord < ActiveRecord::Base
  self.abstract_class = true
end
PgRecord.establish_connection(ENV.fetch("FLYRUN_TEST_PG_URL"))

MODELS = [Author, Post, Comment, Tag, Device].freeze

def pg_model(model)
  Object.const_set("Pg#{model.name}", Class.new(PgRecord) { self.table_name = model.table_name })
end

# inet/cidr: Rails reads an IPAddr from PostgreSQL and PostgreSQL's exact text from SQLite.
def same?(pg, lite)
  if pg.is_a?(IPAddr)
    return lite.is_a?(String) && IPAddr.new(lite) == pg && IPAddr.new(lite).prefix == pg.prefix
  end

  pg.class == lite.class && pg == lite && (!pg.is_a?(String) || pg.b == lite.b)
end

def rows(model)
  model.all.map(&:attributes).sort_by { |row| row["id"].to_s.rjust(40, "0") }
end

report = { "adapter" => ActiveRecord::Base.connection.adapter_name,
           "database" => ActiveRecord::Base.connection_db_config.database,
           "tables" => {}, "mismatches" => [] }
MODELS.each do |model|
  pg_rows = rows(pg_model(model))
  lite_rows = rows(model)
  report["tables"][model.table_name] = [pg_rows.size, lite_rows.size]
  pg_rows.zip(lite_rows).each do |pg, lite|
    next if lite && pg.keys == lite.keys && pg.all? { |key, value| same?(value, lite[key]) }

    report["mismatches"] << { "table" => model.table_name, "pg" => pg.inspect[0, 400],
                              "sqlite" => lite.inspect[0, 400] }
  end
end

pg = PgRecord.connection
# Tables without a model: every row, as Active Record casts it, in a fixed order.
report["plain_tables"] = %w[posts_tags memberships].to_h do |table|
  pg_rows = Class.new(PgRecord) { self.table_name = table }.pluck(Arel.sql("*")).sort
  lite_rows = Class.new(ApplicationRecord) { self.table_name = table }.pluck(Arel.sql("*")).sort
  [table, [pg_rows.size, pg_rows == lite_rows]]
end
report["habtm"] = pg.select_rows("SELECT post_id, tag_id FROM posts_tags").sort ==
                  Post.includes(:tags).flat_map { |p| p.tags.map { |t| [p.id, t.id] } }.sort
report["network_text"] = pg.select_rows("SELECT id, ip::text, network::text, mac::text " \
                                        "FROM posts ORDER BY id") ==
                         Post.order(:id).pluck(:id, :ip, :network, :mac)
child = Comment.where.not(parent_id: nil).order(:id).first
report["associations"] = child.parent.id == child.parent_id && child.post.author.is_a?(Author)
report["unicode"] = Author.where("name LIKE ?", "%李小龙%").count ==
                    pg.select_value("SELECT COUNT(*) FROM authors WHERE name LIKE '%李小龙%'")
created = Author.create!(name: "after the import", settings: { "new" => true })
report["next_id"] = [created.id, pg.select_value("SELECT last_value FROM authors_id_seq")]
puts JSON.generate(report)
