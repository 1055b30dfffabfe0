namespace :fly do
  desc 'Open a Rails console on the Fly machine'
  task :console do
    sh 'fly ssh console --pty -C "/rails/bin/rails console"'
  end

  desc 'Open a shell on the Fly machine'
  task :ssh do
    sh 'fly ssh console --pty -C "/bin/bash"'
  end

  desc 'Open a database console on the Fly machine'
  task :dbconsole do
    sh 'fly ssh console --pty -C "/rails/bin/rails dbconsole"'
  end
end
