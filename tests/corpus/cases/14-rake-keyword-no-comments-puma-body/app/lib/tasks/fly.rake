namespace :fly do
  task build: "assets:precompile"

  task release: "db:migrate"

  task :server do
    sh "bundle exec puma -C config/puma.rb"
  end
end
