namespace AbmSync.Core;
