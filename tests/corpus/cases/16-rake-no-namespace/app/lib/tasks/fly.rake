# commands used to deploy a Rails application
# BUILD step:
#  - changes to the filesystem made here DO get deployed
#  - NO access to secrets, volumes, databases
#  - Failures here prevent deployment
task :build => 'assets:precompile'

# RELEASE step:
#  - changes to the filesystem made here are DISCARDED
#  - full access to secrets, databases
#  - failures here prevent deployment
task :release => 'db:migrate'

# SERVER step:
#  - changes to the filesystem made here are deployed
#  - full access to secrets, databases
#  - failures here result in VM being stated, shutdown, and rolled back
#    to last successful deploy (if any).
task :server => :swapfile do
  sh 'bin/rails server'
end

task :swapfile do
  sh 'fallocate -l 512M /swapfile'
  sh 'chmod 0600 /swapfile'
  sh 'mkswap /swapfile'
  sh 'echo 10 > /proc/sys/vm/swappiness'
  sh 'swapon /swapfile'
end
