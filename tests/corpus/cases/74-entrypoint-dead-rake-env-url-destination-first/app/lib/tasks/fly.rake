namespace :fly do
  task :build => 'assets:precompile'
  task :release
  task server: [:swapfile, 'db:migrate' ] do
    sh 'bin/rails server'
  end
  task :swapfile do
    sh 'fallocate -l 512M /swapfile'
    sh 'chmod 0600 /swapfile'
    sh 'mkswap /swapfile'
    sh 'echo 10 > /proc/sys/vm/swappiness'
    sh 'swapon /swapfile'
  end
end
