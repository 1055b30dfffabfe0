namespace :fly do
  task :build => 'assets:precompile'

  task :release

  task server: "db:migrate" do
    sh "overmind", "start"
  end
end
