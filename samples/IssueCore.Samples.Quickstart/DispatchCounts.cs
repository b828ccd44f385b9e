using IssueCore.Enhance;

namespace IssueCore.Samples.Quickstart;

/// <summary>How many dispatches ended in each way during one run.</summary>
internal sealed class DispatchCounts
{
    public int Applied { get; private set; }

    public int Rejected { get; private set; }

    public int Failed { get; private set; }

    public int Waiting { get; private set; }

    public int Total => Applied + Rejected + Failed + Waiting;

    public void Count(DispatchResult result)
    {
        switch (result)
        {
            case DispatchResult.Applied:
                Applied++;
                break;
            case DispatchResult.Rejected:
                Rejected++;
                break;
            case DispatchResult.Failed:
            case DispatchResult.Refused: // dead-lettered too: the host refused the flow's output
                Failed++;
                break;
            default:
                Waiting++; // retrying, or the lease moved to another dispatcher
                break;
        }
    }
}
