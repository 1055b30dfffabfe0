# Run with `bin/rails runner SCHEMA` on a fresh SQLite database: loads SCHEMA the way the
# import task does (its PostgreSQL type renames on) and prints, per table and column, the type
# SQLite recorded and the type Active Record reads back, as JSON on the last line.
require "json"

Rails.application.load_tasks
connection = ActiveRecord::Base.connection
FlyrunImport::SqliteTypes.install
FlyrunImport::SqliteTypes.active = true
ActiveRecord::Migration.verbose = false
load ARGV.fetch(0)
FlyrunImport::SqliteTypes.active = false
connection.schema_cache.clear!

report = connection.tables.sort.to_h do |table|
  declared = connection.select_rows("PRAGMA table_info(#{connection.quote_table_name(table)})")
                       .to_h { |row| [row[1], row[2]] }
  [table, connection.columns(table).to_h { |c| [c.name, [declared[c.name], c.type.to_s]] }]
end
puts JSON.generate(report)
