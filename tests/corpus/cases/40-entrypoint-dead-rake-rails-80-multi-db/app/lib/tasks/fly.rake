namespace :fly do
  task :build => 'assets:precompile'

  task :release

  task server: "db:migrate" do
    sh 'bin/rails server'
  end
end
