namespace AbmSync.Connectors.Salesforce;
