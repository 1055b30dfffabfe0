namespace :fly do
  task build: "assets:precompile"

  task :release

  task server: "db:migrate" do
    sh "bundle exec puma -C config/puma.rb"
  end
end
