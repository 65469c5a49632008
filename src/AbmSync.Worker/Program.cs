using AbmSync.Worker.Cli;

return await AbmSyncCli.RunAsync(args);
