# frozen_string_literal: true

# Added by flyrun: copies this app's PostgreSQL data into its SQLite database, once, at the
# start of the first boot on SQLite (before db:migrate).
#
#   bin/rails flyrun:import_postgres
#
# Interface
#   FLYRUN_IMPORT_DATABASE_URL  the PostgreSQL database to copy (postgres:// or postgresql://).
#                               Read once, then removed from this process's environment; it is
#                               never printed: credentials are redacted from every message.
#   target                      the app's primary database as configured for RAILS_ENV (its
#                               DATABASE_URL); it must be SQLite.
#   record                      "<sqlite file>.flyrun-import.json" beside the database: format,
#                               status ("ok" or "failed"), started_at, finished_at, seconds,
#                               rails_version, database, source (PostgreSQL server version),
#                               error (failed only) and tables: [{name, postgres: {rows,
#                               checksum}, sqlite: {rows, checksum}}].
#   FLYRUN_IMPORT_TEST_FAULT    test only: "write_source" tries to create a table in PostgreSQL
#                               after the first table is copied (proves the source is read-only
#                               and that a failure mid-copy leaves no SQLite file).
#
# Outcomes (one line each on stdout or stderr, prefixed "flyrun import:")
#   exit 0  a record with status "ok" exists: nothing is done, ever again (re-boots);
#           or FLYRUN_IMPORT_DATABASE_URL is unset: not an import boot, nothing is done;
#           or the copy succeeded: every table's row count and checksum agree on both sides,
#           the record is written (atomically) and a summary per table is printed.
#   exit 1  the copy failed (any error or mismatch): the SQLite transaction is rolled back, the
#           SQLite file (and its -wal, -shm, -journal) is removed, a "failed" record says why.
#   exit 2  refused before anything was written: the database is not SQLite, the URL is not
#           PostgreSQL, db/schema.rb is missing (db/structure.sql is not supported), the
#           SQLite file already holds rows (never overwritten, never removed), or an "ok"
#           record stands beside a missing database file (the data is gone: fail the boot).
#
# How
#   db/schema.rb is loaded into SQLite with PostgreSQL-only column types mapped to the types
#   Rails' SQLite adapter reads back (PG_TYPES; flyrun's preflight refuses everything else).
#   PostgreSQL is read in one REPEATABLE READ, READ ONLY transaction (a consistent snapshot,
#   and any write is an error); the session defaults to read-only too. Every table of
#   schema.rb plus schema_migrations and ar_internal_metadata is copied in primary-key order
#   (no primary key: all columns) in batches, all inside ONE SQLite transaction with foreign
#   keys deferred to its commit; each table's id sequence continues from PostgreSQL's (ids
#   are never reused). Both sides are then read back through Active Record and compared: a
#   row count and an order-independent checksum of canonical, type-cast values.
#
# Rails APIs relied on (6.1 through 8.x): connection_db_config, establish_connection with a
# {url:, variables:} hash, pluck with Arel attributes, type_for_attribute + Type#serialize +
# connection.quote (the values of each INSERT), primary_keys, tables, transaction(isolation:),
# schema_cache.clear!, SQLite3::TableDefinition#new_column_definition(name, type, **options)
# (prepended while schema.rb loads), and lease_connection where it exists (7.2+), else
# connection.

require "json"
require "digest"
require "uri"

module FlyrunImport
  ENV_VAR = "FLYRUN_IMPORT_DATABASE_URL"
  FAULT_VAR = "FLYRUN_IMPORT_TEST_FAULT"
  RECORD_SUFFIX = ".flyrun-import.json"
  FORMAT = 1
  BATCH = 1000
  # An INSERT inlines its values; keep each statement well under SQLite's 1 GB limit.
  INSERT_BYTES = 16 * 1024 * 1024
  INTERNAL = %w[schema_migrations ar_internal_metadata].freeze
  # PostgreSQL-only types schema.rb may use => what the SQLite adapter creates instead.
  # Kept equal to TYPE_MAP in flyrun's runner/facts/schema_rb.py by a test.
  PG_TYPES = {
    jsonb: :json, uuid: :string, inet: :string, cidr: :string, macaddr: :string,
    timestamptz: :datetime, serial: :integer, bigserial: :bigint
  }.freeze
  # Read as PostgreSQL's own text: Rails would cast inet/cidr to IPAddr, which drops the host
  # bits of "10.1.2.3/8"; SQLite keeps the text exactly.
  TEXT_TYPES = %w[inet cidr macaddr].freeze
  # Columns PostgreSQL cannot ORDER BY directly (no ordering operator).
  UNORDERED_TYPES = %w[json xml].freeze

  class Refused < StandardError; end
  class Failed < StandardError; end

  def self.say(line)
    $stdout.puts("flyrun import: #{line}")
    $stdout.flush
  end

  def self.connection_of(klass)
    klass.respond_to?(:lease_connection) ? klass.lease_connection : klass.connection
  end

  def self.run
    config = ActiveRecord::Base.connection_db_config
    path = database_path(config)
    return Runner.new(path).run if path

    # Not an app on an SQLite file: nothing to do unless an import was asked for.
    return if ENV[ENV_VAR].to_s.strip.empty?

    raise Refused, "the database is #{config.adapter} #{config.database.to_s.inspect}, " \
                   "not an SQLite file"
  rescue Refused => e
    warn("flyrun import: refused: #{e.message}")
    exit(2)
  end

  # The SQLite file of the primary database (relative paths from Rails.root, as the adapter
  # resolves them), or nil for another adapter or an in-memory database.
  def self.database_path(config)
    database = config.database.to_s
    return nil unless config.adapter.to_s.start_with?("sqlite")
    return nil if database.empty? || database.include?(":memory:")

    File.expand_path(database, Rails.root)
  end

  # Decides whether this boot imports, and refuses what must not be touched.
  class Runner
    def initialize(path)
      @path = path
      @record = "#{path}#{RECORD_SUFFIX}"
    end

    def run
      done = ok_record
      if done
        # Data imported once and gone since: booting on an empty database would hide that.
        raise Refused, "#{@record} says the import finished at #{done['finished_at']}, but " \
                       "#{@path} is missing; restore it, or remove the record to import " \
                       "again" unless File.exist?(@path)

        FlyrunImport.say("already imported at #{done['finished_at']} (#{@record}); " \
                         "not importing again")
        return
      end
      url = ENV.delete(ENV_VAR).to_s.strip
      return if url.empty?

      Redactor.new(url).guard { preflight(url) }
      Copy.new(url, @path, @record, schema_file).run
    end

    private

    def ok_record
      data = JSON.parse(File.read(@record))
      data if data.is_a?(Hash) && data["status"] == "ok"
    rescue Errno::ENOENT, JSON::ParserError
      nil
    end

    def preflight(url)
      scheme = url[/\A([a-z][a-z0-9+.-]*):/i, 1].to_s.downcase
      raise Refused, "#{ENV_VAR} is not a postgres:// URL" unless
        %w[postgres postgresql].include?(scheme)

      refuse_existing_data
    end

    def schema_file
      schema = Rails.root.join("db", "schema.rb")
      return schema.to_s if schema.file?

      if Rails.root.join("db", "structure.sql").file?
        raise Refused, "db/structure.sql is not supported: the import loads db/schema.rb " \
                       "(config.active_record.schema_format = :ruby)"
      end
      raise Refused, "db/schema.rb is missing"
    end

    # Never overwrite data: a file that holds rows in any table but Rails' own is left alone.
    def refuse_existing_data
      return unless File.exist?(@path) && File.size(@path).positive?

      db = SQLite3::Database.new(@path, readonly: true)
      full = user_tables(db).select do |name|
        db.get_first_value("SELECT 1 FROM \"#{name.gsub('"', '""')}\" LIMIT 1")
      end
      return if full.empty?

      raise Refused, "#{@path} already holds rows (#{full.first(3).join(', ')}); " \
                     "flyrun never overwrites a database"
    rescue SQLite3::Exception => e
      raise Refused, "#{@path} exists and is not a readable SQLite database (#{e.message})"
    ensure
      db&.close
    end

    def user_tables(db)
      names = db.execute("SELECT name FROM sqlite_master WHERE type = 'table' " \
                         "AND name NOT LIKE 'sqlite_%'").flatten
      names - INTERNAL
    end
  end

  # Keeps the source URL and its credentials out of every message: the URL, the password
  # anywhere, and the user name where messages quote it (for user "x", user=x, x@).
  class Redactor
    MASK = "[redacted]"

    def initialize(url)
      @secrets = [url]
      @users = []
      begin
        uri = URI.parse(url)
        @secrets += decoded(uri.password)
        @users = decoded(uri.user)
      rescue URI::Error, ArgumentError
        nil # unparseable: the whole URL is still masked
      end
      # Longest first, so a password inside the URL is masked with the URL.
      @secrets = @secrets.uniq.sort_by { |s| -s.length }
    end

    def redact(text)
      out = text.to_s.dup
      @secrets.each { |secret| out = out.gsub(secret, MASK) }
      @users.each do |user|
        quoted = Regexp.escape(user)
        out = out.gsub(/(["'])#{quoted}\1|\buser=#{quoted}\b|\b#{quoted}@/) do |match|
          match.sub(user, MASK)
        end
      end
      out.gsub(%r{\b(postgres(?:ql)?|postgis)://\S+}i, "\\1://#{MASK}")
    end

    # Runs the block; a Refused raised inside comes out with its message redacted.
    def guard
      yield
    rescue Refused => e
      raise Refused, redact(e.message)
    end

    private

    def decoded(part)
      return [] if part.to_s.empty?

      [part, URI.decode_www_form_component(part)].uniq
    end
  end

  # Canonical, type-cast values: the same on both sides when the data is the same.
  # Per table: the row count and the sum (mod 2**128) of each row's SHA-256, so the order
  # rows come back in (collations differ) does not matter but every value does.
  class Checksum
    MASK = 2**128 - 1
    SEPARATOR = "\x00".b
    attr_reader :rows

    def initialize(binary)
      @binary = binary
      @rows = 0
      @sum = 0
    end

    def add(row)
      parts = row.each_with_index.map { |value, i| canon(value, @binary[i]) }
      high, low = Digest::SHA256.digest(parts.join(SEPARATOR)).unpack("Q>Q>")
      @sum = (@sum + ((high << 64) | low)) & MASK
      @rows += 1
    end

    def hex
      format("%032x", @sum)
    end

    def to_h
      { "rows" => @rows, "checksum" => hex }
    end

    private

    # Tagged text per value; strings carry their length, so the NUL separator is unambiguous.
    # Times as UTC epoch seconds and microseconds (both databases keep microseconds),
    # decimals in plain notation, floats as Ruby's shortest round-trip text, binary as hex,
    # JSON as JSON text with sorted keys (1 and 1.0 stay apart, as Rails reads them).
    def canon(value, binary = false)
      case value
      when String
        return "x#{value.unpack1('H*')}" if binary

        text = value.b
        "s#{text.bytesize}:".b << text
      when nil then "n"
      when Integer then "i#{value}"
      when true then "t"
      when false then "f"
      when BigDecimal then "d#{value.to_s('F')}"
      when Float then "r#{value}"
      when ActiveSupport::TimeWithZone then canon(value.utc) # its cached UTC Time: cheap
      when Time then "T#{value.to_i}.#{value.usec}"
      when DateTime then canon(value.to_time)
      when Date then "D#{value.iso8601}"
      when Hash, Array then "j#{JSON.generate(sorted(value))}".b
      else "o#{value.class}:#{value}".b
      end
    end

    # JSON values as Rails decoded them (strings, numbers, true/false/nil, arrays, hashes):
    # JSON text with every object's keys sorted tells any two of them apart.
    def sorted(value)
      case value
      when Hash then value.map { |key, item| [key.to_s, sorted(item)] }.sort_by(&:first).to_h
      when Array then value.map { |item| sorted(item) }
      else value
      end
    end
  end

  # One table's rows on one side, batch by batch, as type-cast value arrays.
  class Reader
    def initialize(model, columns, keys, text_columns: [])
      @model = model
      @columns = columns
      @keys = keys.map { |key| columns.index(key) }
      @selects = columns.each_with_index.map do |name, i|
        next @model.arel_table[name] unless text_columns.include?(name)

        Arel.sql("#{quote(name)}::text AS flyrun_text_#{i}")
      end
    end

    def each_batch
      last = nil
      offset = 0
      loop do
        rows = fetch(last, offset)
        break if rows.empty?

        yield rows
        last = @keys.map { |k| rows.last[k] }
        offset += rows.size
        break if rows.size < BATCH
      end
    end

    private

    def fetch(last, offset)
      relation = @model.unscoped.limit(BATCH)
      relation = if @keys.empty?
                   relation.order(*all_columns_order).offset(offset)
                 else
                   relation = relation.where(after(last)) if last
                   relation.order(*@keys.map { |k| @model.arel_table[@columns[k]].asc })
                 end
      rows = relation.pluck(*@selects)
      @selects.size == 1 ? rows.map { |value| [value] } : rows
    end

    # Keyset pagination: (k1, k2, ...) > last, spelled with AND/OR for every database.
    def after(last)
      table = @model.arel_table
      names = @keys.map { |k| @columns[k] }
      condition = table[names.last].gt(last.last)
      (names.size - 2).downto(0) do |i|
        column = table[names[i]]
        condition = column.gt(last[i]).or(column.eq(last[i]).and(condition))
      end
      condition
    end

    # No primary key: every column, so equal rows are the only ties (and tie order does not
    # matter). PostgreSQL cannot order json/xml; SQLite orders anything (and has no ::).
    def all_columns_order
      postgres = FlyrunImport.connection_of(@model).adapter_name.match?(/postg/i)
      @columns.map do |name|
        sql_type = @model.columns_hash[name].sql_type.to_s
        next @model.arel_table[name].asc unless postgres && UNORDERED_TYPES.include?(sql_type)

        Arel.sql("#{quote(name)}::text")
      end
    end

    def quote(name)
      FlyrunImport.connection_of(@model).quote_column_name(name)
    end
  end
end

module FlyrunImport
  # Named homes for the classes made at run time: Active Record keys connections by class name.
  module Models; end

  # schema.rb written by PostgreSQL uses column types the SQLite adapter lacks (t.jsonb, id:
  # :uuid, ...): while the import loads it, they become the types in PG_TYPES.
  module SqliteTypes
    class << self
      attr_accessor :active

      def install
        target = ActiveRecord::ConnectionAdapters::SQLite3::TableDefinition
        target.prepend(self) unless target.ancestors.include?(self)
      end
    end

    PG_TYPES.each_key do |type|
      define_method(type) do |*names, **options|
        names.each { |name| column(name, type, **options) }
      end
    end

    def new_column_definition(name, type, **options)
      type = PG_TYPES.fetch(type.to_sym, type) if SqliteTypes.active && type.respond_to?(:to_sym)
      super(name, type, **options)
    end
  end

  # One table's outcome: PostgreSQL's COUNT(*), and the checksums read on each side.
  Table = Struct.new(:name, :count, :source, :target, :model, :keys, :binary) do
    def match?
      !target.nil? && count == source.rows && source.rows == target.rows &&
        source.hex == target.hex
    end

    def to_h
      { "name" => name, "postgres" => { "rows" => count, "checksum" => source.hex },
        "sqlite" => target&.to_h }
    end
  end

  # The import: schema, copy, read back, compare, record. Any failure removes the SQLite file.
  class Copy
    def initialize(url, path, record, schema)
      @url = url
      @path = path
      @record = record
      @schema = schema
      @redactor = Redactor.new(url)
      @tables = []
    end

    def run
      @started = Time.now.utc
      clock = Process.clock_gettime(Process::CLOCK_MONOTONIC)
      begin
        quietly { with_source { |source| copy_all(source) } }
        @seconds = (Process.clock_gettime(Process::CLOCK_MONOTONIC) - clock).round(3)
        write_record("ok")
      rescue Exception => e # rubocop:disable Lint/RescueException -- Interrupt too: no half file
        fail_with(e)
      end
      summary
    end

    private

    def with_source
      base = source_base
      base.establish_connection(url: @url, variables: { default_transaction_read_only: "on" })
      source = FlyrunImport.connection_of(base)
      raise Failed, "#{ENV_VAR} is not PostgreSQL" unless source.adapter_name.match?(/postg/i)

      @server = source.select_value("SHOW server_version")
      source.transaction(isolation: :repeatable_read) do
        source.execute("SET TRANSACTION READ ONLY")
        yield source
      end
    ensure
      base&.remove_connection
    end

    def source_base
      return Models::Source if Models.const_defined?(:Source, false)

      Models.const_set(:Source, Class.new(ActiveRecord::Base) { self.abstract_class = true })
    end

    def model(base, const, table)
      Models.send(:remove_const, const) if Models.const_defined?(const, false)
      Models.const_set(const, Class.new(base) do
        self.table_name = table
        self.inheritance_column = "_flyrun_no_sti"
      end)
    end

    def copy_all(source)
      load_schema
      target = FlyrunImport.connection_of(ActiveRecord::Base)
      names = table_names(source, target)
      target.transaction do
        # Rows arrive table by table; references are checked once, at COMMIT.
        target.execute("PRAGMA defer_foreign_keys = ON")
        names.each_with_index do |name, i|
          @tables << copy_table(source, name, i)
          fault(source) if i.zero?
        end
        check_foreign_keys(target)
        @tables.each { |table| verify(table) }
        bad = @tables.reject(&:match?)
        raise Failed, mismatch(bad) unless bad.empty?
      end
    end

    def load_schema
      connection = FlyrunImport.connection_of(ActiveRecord::Base)
      SqliteTypes.install
      SqliteTypes.active = true
      verbose = ActiveRecord::Migration.verbose
      ActiveRecord::Migration.verbose = false
      load(@schema)
      connection.schema_cache.clear!
    ensure
      SqliteTypes.active = false
      ActiveRecord::Migration.verbose = verbose
    end

    def table_names(source, target)
      pg = source.tables.sort
      lite = target.tables.reject { |name| name.start_with?("sqlite_") }.sort
      only_pg = pg - lite - INTERNAL
      only_lite = lite - pg - INTERNAL
      raise Failed, "tables in PostgreSQL but not in db/schema.rb: #{only_pg.join(', ')} " \
                    "(their rows would be lost)" unless only_pg.empty?
      raise Failed, "tables in db/schema.rb but not in PostgreSQL: #{only_lite.join(', ')} " \
                    "(is db/schema.rb from another release?)" unless only_lite.empty?

      (lite - INTERNAL) + (INTERNAL & lite & pg)
    end

    def copy_table(source, name, index)
      src = model(Models::Source, "Source#{index}", name)
      dst = model(ActiveRecord::Base, "Target#{index}", name)
      columns = dst.column_names
      check_columns(name, src.column_names, columns)
      binary = columns.map { |c| dst.columns_hash[c].type == :binary }
      text = columns.select { |c| TEXT_TYPES.include?(src.columns_hash[c].sql_type) }
      keys = source.primary_keys(name)
      dst.unscoped.delete_all if INTERNAL.include?(name)
      sum = Checksum.new(binary)
      Reader.new(src, columns, keys, text_columns: text).each_batch do |rows|
        rows.each { |row| sum.add(row) }
        insert(dst, columns, rows)
      end
      count = source.select_value("SELECT COUNT(*) FROM #{source.quote_table_name(name)}")
      carry_sequence(source, name, keys.first) if keys.size == 1
      Table.new(name, count.to_i, sum, nil, dst, keys, binary)
    end

    # SQLite would hand out max(id) + 1 next; PostgreSQL's sequence may be further on (rows
    # deleted at the end). Carrying it over keeps ids from ever being reused.
    def carry_sequence(source, table, key)
      sequence = source.select_value(
        "SELECT pg_get_serial_sequence(#{source.quote(table)}, #{source.quote(key)})"
      )
      return if sequence.nil?

      used = source.select_value("SELECT CASE WHEN is_called THEN last_value " \
                                 "ELSE last_value - 1 END FROM #{sequence}").to_i
      target = FlyrunImport.connection_of(ActiveRecord::Base)
      return unless target.select_value("SELECT COUNT(*) FROM sqlite_master " \
                                        "WHERE name = 'sqlite_sequence'").to_i.positive?

      target.execute("DELETE FROM sqlite_sequence WHERE name = #{target.quote(table)}")
      target.execute("INSERT INTO sqlite_sequence (name, seq) VALUES " \
                     "(#{target.quote(table)}, MAX(#{used}, (SELECT COALESCE(MAX(" \
                     "#{target.quote_column_name(key)}), 0) FROM " \
                     "#{target.quote_table_name(table)})))")
    end

    def check_columns(name, pg, lite)
      return if pg.sort == lite.sort

      raise Failed, "table #{name}: columns only in PostgreSQL: #{(pg - lite).join(', ')}; " \
                    "only in db/schema.rb: #{(lite - pg).join(', ')}"
    end

    # Each value is serialized by the SQLite side's Active Record type (the app's view of the
    # column) and quoted by the adapter: what insert_all does, minus its need for a primary
    # key Active Record understands (Rails 6.1 ignores composite keys).
    def insert(dst, columns, rows)
      connection = FlyrunImport.connection_of(ActiveRecord::Base)
      types = columns.map { |name| dst.type_for_attribute(name) }
      names = columns.map { |name| connection.quote_column_name(name) }.join(", ")
      head = "INSERT INTO #{connection.quote_table_name(dst.table_name)} (#{names}) VALUES "
      tuples = []
      bytes = 0
      rows.each do |row|
        values = row.each_with_index.map { |value, i| connection.quote(types[i].serialize(value)) }
        tuples << "(#{values.join(', ')})"
        bytes += tuples.last.bytesize
        next if bytes < INSERT_BYTES

        connection.execute(head + tuples.join(", "))
        tuples = []
        bytes = 0
      end
      connection.execute(head + tuples.join(", ")) unless tuples.empty?
    end

    def verify(table)
      sum = Checksum.new(table.binary)
      Reader.new(table.model, table.model.column_names, table.keys).each_batch do |rows|
        rows.each { |row| sum.add(row) }
      end
      table.target = sum
    end

    def check_foreign_keys(target)
      broken = target.select_rows("PRAGMA foreign_key_check")
      return if broken.empty?

      shown = broken.first(3).map { |table, rowid, parent| "#{table} row #{rowid} -> #{parent}" }
      raise Failed, "foreign keys do not hold in SQLite: #{shown.join(', ')}"
    end

    def mismatch(bad)
      shown = bad.first(5).map do |t|
        "#{t.name} (postgres #{t.count} rows, sqlite #{t.target&.rows} rows" \
          "#{t.source.hex == t.target&.hex ? '' : ', checksums differ'})"
      end
      "PostgreSQL and SQLite differ: #{shown.join('; ')}"
    end

    def fault(source)
      return unless ENV[FAULT_VAR] == "write_source"

      source.execute("CREATE TABLE flyrun_fault_probe (id integer)")
    end

    def quietly
      logger = ActiveRecord::Base.logger
      ActiveRecord::Base.logger = nil
      yield
    ensure
      ActiveRecord::Base.logger = logger
    end

    def fail_with(error)
      reason = @redactor.redact(describe(error))
      outcome = remove_database ? "removed #{@path}" : "no SQLite file was written"
      begin
        write_record("failed", reason)
      rescue StandardError
        nil # the failure itself is what must be reported
      end
      warn("flyrun import: FAILED: #{reason}; #{outcome}")
      exit(1)
    end

    def describe(error)
      return error.message if error.is_a?(Failed)

      text = "#{error.class}: #{error.message}".gsub(/\s+/, " ").strip
      text.length > 600 ? "#{text[0, 600]}..." : text
    end

    # True when there was a file to remove.
    def remove_database
      begin
        ActiveRecord::Base.connection_pool.disconnect!
      rescue StandardError
        nil # the files go whatever state the connection is in
      end
      existed = File.exist?(@path)
      ["", "-wal", "-shm", "-journal"].each do |suffix|
        File.delete("#{@path}#{suffix}") if File.exist?("#{@path}#{suffix}")
      end
      existed
    end

    def write_record(status, error = nil)
      data = {
        "format" => FORMAT, "status" => status, "started_at" => @started.iso8601(3),
        "finished_at" => Time.now.utc.iso8601(3), "seconds" => @seconds,
        "rails_version" => Rails.version, "database" => @path,
        "source" => { "adapter" => "postgresql", "server_version" => @server },
        "tables" => @tables.map(&:to_h)
      }
      data["error"] = error if error
      atomic_write(JSON.pretty_generate(data) + "\n")
    end

    def atomic_write(text)
      temporary = "#{@record}.tmp-#{Process.pid}"
      File.open(temporary, "w", 0o600) do |file|
        file.write(text)
        file.flush
        file.fsync
      end
      File.rename(temporary, @record)
    end

    def summary
      rows = @tables.sum(&:count)
      FlyrunImport.say("copied #{@tables.size} tables, #{rows} rows from PostgreSQL #{@server} " \
                       "to #{@path} in #{@seconds} s; record #{@record}")
      @tables.each do |t|
        FlyrunImport.say("  #{t.name}: postgres #{t.count} rows, sqlite #{t.target.rows} rows, " \
                         "checksums equal")
      end
    end
  end
end

namespace :flyrun do
  desc "Copy the PostgreSQL database in FLYRUN_IMPORT_DATABASE_URL into this app's SQLite " \
       "database, once (flyrun)"
  task import_postgres: :environment do
    FlyrunImport.run
  end
end
