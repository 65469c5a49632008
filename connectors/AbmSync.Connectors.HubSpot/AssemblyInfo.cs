namespace AbmSync.Connectors.HubSpot;
