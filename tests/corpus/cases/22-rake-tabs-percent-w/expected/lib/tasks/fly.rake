# commands used to deploy a Rails application
namespace :fly do
	# BUILD step:
	#  - changes to the filesystem made here DO get deployed
	#  - NO access to secrets, volumes, databases
	#  - Failures here prevent deployment
	task :build => 'assets:precompile'

	# RELEASE step:
	#  - changes to the filesystem made here are DISCARDED
	#  - full access to secrets, databases
	#  - failures here prevent deployment
	task :release

	# SERVER step:
	#  - changes to the filesystem made here are deployed
	#  - full access to secrets, databases
	#  - failures here result in VM being stated, shutdown, and rolled back
	#    to last successful deploy (if any).
	task :server => [:swapfile, 'db:migrate'] do
		sh 'bin/rails server'
	end

	task :swapfile do
		sh 'fallocate -l 512M /swapfile'
		sh 'chmod 0600 /swapfile'
		sh 'mkswap /swapfile'
		sh 'echo 10 > /proc/sys/vm/swappiness'
		sh 'swapon /swapfile'
	end

	task :disable_database_environment_check do
		ENV['DISABLE_DATABASE_ENVIRONMENT_CHECK'] = '1'
	end

	# wipe the production database (used for the staging copy)
	task :drop => %w[fly:disable_database_environment_check db:drop]
end
