using System.CommandLine;
using BmeQuant.Cli;

var root = CliApp.BuildRootCommand();
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
