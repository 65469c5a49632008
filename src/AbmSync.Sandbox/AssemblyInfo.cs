namespace AbmSync.Sandbox;
