namespace :fly do
  task build: 'assets:precompile'

  task :ensure_schema do
    abort 'db/schema.rb is missing' unless File.exist?('db/schema.rb')
  end

  task release: %w[environment ensure_schema]

  task server: [:swapfile, 'db:migrate'] do
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
