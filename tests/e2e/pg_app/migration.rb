# Every column type the import maps, as Rails 6.1 writes them on PostgreSQL.
class CreateEverything < ActiveRecord::Migration[6.1]
  def change
    create_table :authors do |t|
      t.string :name, null: false
      t.string :email, limit: 120
      t.text :bio
      t.integer :age
      t.bigint :karma
      t.boolean :active, default: true, null: false
      t.date :born_on
      t.jsonb :settings, default: {}, null: false
      t.timestamps
      # PostgreSQL writes it back as "((age IS NULL) OR (age >= 0))": no casts, SQLite reads it.
      t.check_constraint "age IS NULL OR age >= 0", name: "age_not_negative"
    end
    add_index :authors, :email, unique: true

    create_table :posts do |t|
      t.references :author, null: false, foreign_key: true
      t.string :title
      t.text :body
      t.float :score
      t.decimal :price, precision: 10, scale: 2
      t.decimal :total, precision: 20, scale: 6
      t.datetime :published_at
      t.column :happened_at, :timestamptz
      t.time :starts_at
      t.uuid :public_id
      t.binary :payload
      t.json :metadata
      t.inet :ip
      t.cidr :network
      t.macaddr :mac
      t.timestamps
    end
    add_index :posts, :public_id, unique: true
    add_index :posts, [:author_id, :published_at], order: { published_at: :desc }
    add_index :posts, :title, where: "published_at IS NOT NULL"

    create_table :comments do |t|
      t.references :post, null: false, foreign_key: { on_delete: :cascade }
      t.references :parent, foreign_key: { to_table: :comments }
      t.text :body
      t.timestamps
    end

    create_table :tags do |t|
      t.string :name, null: false
    end
    # No primary key, and a json column PostgreSQL cannot ORDER BY.
    create_join_table :posts, :tags do |t|
      t.json :note
      t.index [:post_id, :tag_id], unique: true
    end

    create_table :devices, id: :uuid, default: nil do |t|
      t.string :kind, null: false
    end

    create_table :memberships, primary_key: [:author_id, :tag_id] do |t|
      t.bigint :author_id, null: false
      t.bigint :tag_id, null: false
      t.string :role
    end
  end
end
