namespace :fly do
  task build: 'assets:precompile'

  task release: :environment do
    sh 'bundle exec rails db:migrate'
    sh 'bin/rake populate_database:all'
  end

  task server: :swapfile do
    sh 'bin/rails server'
  end

  task swapfile: :environment do
    sh 'fallocate -l 512M /swapfile'
    sh 'chmod 0600 /swapfile'
    sh 'mkswap /swapfile'
    sh 'echo 10 > /proc/sys/vm/swappiness'
    sh 'swapon /swapfile'
  end
end
